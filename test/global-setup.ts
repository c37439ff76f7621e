// Placeholder until the stack lands: starts nothing.
export default function setup(): void {}
