#!/usr/bin/env node
// The `consent` command runs the compiled CLI; `npm run build` (or `npm start`) produces it.
// It exits explicitly: the S3 client keeps idle sockets open that would hold the process.
require('../dist/src/cli/main.js')
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
      process.exit(1);
    },
  );
