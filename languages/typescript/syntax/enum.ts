// Enums need a transform (Node's type stripping refuses them): numeric with reverse mapping,
// computed members, string, const.
enum Direction { Up = 1, Down, Left = Up * 10, Right }
enum Level { Low = "low", High = "HIGH" }
const enum Bit { None = 0, Read = 1 << 0, Write = 1 << 1 }

const access: Bit = Bit.Read | Bit.Write;
console.log(Direction.Down, Direction[11], Direction.Right, Level.High, access);
