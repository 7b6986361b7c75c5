// Builds the playground bundle (src/main.ts -> ../static/dist/app.js + app.css)
// and the teacher page's (src/teacher.ts -> teacher.js + teacher.css) with
// esbuild, and prints their sizes. `node build.mjs --tests` instead bundles
// test/*.test.ts into .test-build/ for `node --test`.
import * as esbuild from "esbuild";
import { readdirSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "static", "dist");

if (process.argv.includes("--tests")) {
  const testOut = join(here, ".test-build");
  rmSync(testOut, { recursive: true, force: true });
  mkdirSync(testOut, { recursive: true });
  const entries = readdirSync(join(here, "test"))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => join(here, "test", f));
  await esbuild.build({
    entryPoints: entries,
    outdir: testOut,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node18",
    outExtension: { ".js": ".mjs" },
    external: ["node:*"],
    logLevel: "warning",
  });
} else {
  mkdirSync(outdir, { recursive: true });
  for (const f of ["app.js", "app.css", "app.js.map", "app.css.map", "teacher.js", "teacher.css"]) rmSync(join(outdir, f), { force: true });
  await esbuild.build({
    entryPoints: { app: join(here, "src", "main.ts"), teacher: join(here, "src", "teacher.ts") },
    outdir,
    bundle: true,
    minify: true,
    sourcemap: false,
    format: "iife",
    target: "es2020",
    legalComments: "none",
    charset: "utf8",
    logLevel: "warning",
  });
  const kib = (n) => (n / 1024).toFixed(1);
  for (const f of ["app.js", "app.css", "teacher.js", "teacher.css"]) {
    const b = readFileSync(join(outdir, f));
    console.log(`${f} ${kib(b.length)} KiB, gzip ${kib(gzipSync(b, { level: 9 }).length)} KiB`);
  }
}
