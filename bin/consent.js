#!/usr/bin/env node
// The `consent` command runs the compiled CLI; `npm run build` (or `npm start`) produces it.
require('../dist/src/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
