// Namespaces need a transform: nested, merged across two declarations, and merged with a function.
namespace Geometry {
  export namespace Area {
    export const square = (side: number): number => side * side;
  }
}
namespace Geometry {
  export const perimeter = (side: number): number => 4 * side;
}
function greet(name: string): string { return `${greet.prefix} ${name}`; }
namespace greet { export const prefix = "hi"; }

console.log(Geometry.Area.square(3), Geometry.perimeter(3), greet("ts"));
