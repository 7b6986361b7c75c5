// Minimal declarations of the node built-ins the unit tests use (no @types/node dependency).
declare module "node:test" {
  export function test(name: string, fn: () => void | Promise<void>): void;
}
declare module "node:assert/strict" {
  const assert: {
    (v: unknown, msg?: string): void;
    equal(a: unknown, b: unknown, msg?: string): void;
    deepEqual(a: unknown, b: unknown, msg?: string): void;
    ok(v: unknown, msg?: string): void;
    match(s: string, re: RegExp, msg?: string): void;
  };
  export default assert;
}
declare module "node:fs" {
  export function readFileSync(path: URL | string, encoding: "utf8"): string;
}
declare const process: {
  cpuUsage(prev?: { user: number; system: number }): { user: number; system: number };
};
