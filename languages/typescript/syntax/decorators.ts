// Decorators as TypeScript 5 compiles them without experimentalDecorators (the standard's):
// a class, a method and a field decorator.
const registry: string[] = [];
function register<T extends new (...args: any[]) => object>(target: T, context: ClassDecoratorContext): T {
  registry.push(String(context.name));
  return target;
}
function logged(method: (this: unknown, ...args: any[]) => unknown, context: ClassMethodDecoratorContext) {
  return function (this: unknown, ...args: any[]) {
    console.log(`${String(context.name)}(${args.join(", ")})`);
    return method.call(this, ...args);
  };
}
function doubled(_: undefined, context: ClassFieldDecoratorContext) {
  return (initial: number): number => initial * 2;
}

@register
class Calculator {
  @doubled base = 21;
  @logged add(a: number, b: number): number { return a + b + this.base; }
}
console.log(new Calculator().add(1, 2), registry.join(","));
