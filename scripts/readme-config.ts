// Regenerates the README's configuration table from the config schema (`npm run docs:config`).
// Without --write it exits 1 when the README is out of date (used by the test suite).
import { readFileSync, writeFileSync } from "node:fs";
import { configMarkdownTable } from "../src/core/config.js";

const START = "<!-- config:start -->";
const END = "<!-- config:end -->";

export function renderReadme(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  return `${readme.slice(0, a + START.length)}\n${configMarkdownTable()}\n${readme.slice(b)}`;
}

if (process.argv[1]?.endsWith("readme-config.ts")) {
  const path = new URL("../README.md", import.meta.url);
  const current = readFileSync(path, "utf8");
  const next = renderReadme(current);
  if (process.argv.includes("--write")) {
    writeFileSync(path, next);
    console.log("README.md configuration table updated");
  } else if (next !== current) {
    console.error("README.md configuration table is out of date: run npm run docs:config");
    process.exit(1);
  }
}
