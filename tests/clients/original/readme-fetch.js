// The example request of the original Glimpse README, verbatim: the test points its URL at the local stack.
fetch("https://glimpse-7eir.onrender.com/run-code-lambda", {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({
    language: "py",
    code: 'print("Hello from Glimpse!")',
    input: ""
  }),
})
.then(response => response.json())
.then(data => console.log(data));
