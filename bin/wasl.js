#!/usr/bin/env node
// The `wasl` command: a thin launcher for the compiled CLI (npm run build produces dist/).
import { main } from "../dist/runtime/cli.js";

process.exit(await main(process.argv.slice(2)));
