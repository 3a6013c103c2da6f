export enum Source { Files = "two files" }

export class Greeter {
  constructor(private readonly greeting: string) {}
  greet(name: Source): string {
    return `${this.greeting} from ${name}`;
  }
}
