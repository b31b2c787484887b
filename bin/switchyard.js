#!/usr/bin/env node
// Thin launcher so `npx switchyard` and the npm bin run the compiled CLI.
import '../dist/src/cli/main.js';
