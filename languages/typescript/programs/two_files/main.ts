import { greeting } from "./helper.ts";

console.log(greeting("two files"));
