// Parameter properties need a transform: each modifier declares and assigns a field.
class Account {
  constructor(public readonly owner: string, private balance: number, protected currency = "EUR") {}
  deposit(amount: number): this { this.balance += amount; return this; }
  toString(): string { return `${this.owner}: ${this.balance} ${this.currency}`; }
}
class Savings extends Account {
  constructor(owner: string, public rate: number) { super(owner, 100); }
}
console.log(`${new Savings("ada", 0.02).deposit(5)}`, new Savings("bob", 0.03).rate);
