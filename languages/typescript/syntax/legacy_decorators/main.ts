// Decorators as TypeScript compiles them with experimentalDecorators in the program's own
// tsconfig.json: a method decorator gets (prototype, name, descriptor).
function logged(target: object, key: string, descriptor: PropertyDescriptor): void {
  const original = descriptor.value;
  descriptor.value = function (this: unknown, ...args: unknown[]) {
    console.log(`${target.constructor.name}.${key}(${args.join(", ")})`);
    return original.apply(this, args);
  };
}
class Calculator {
  @logged add(a: number, b: number): number { return a + b; }
}
console.log(new Calculator().add(2, 3));
