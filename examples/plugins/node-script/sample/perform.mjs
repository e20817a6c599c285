// A node-script job: perform() gets the JSON payload as an object; what it returns is the JSON answer.
export function perform({ numbers }) {
  if (!Array.isArray(numbers)) throw new TypeError('numbers: expected a list of numbers');
  return numbers.reduce((sum, n) => sum + n, 0);
}
