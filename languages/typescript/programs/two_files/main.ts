// imported as tsc resolves it, without the extension
import { Greeter, Source } from "./helper";

console.log(new Greeter("hello").greet(Source.Files));
