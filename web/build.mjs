// Bundles web/src/main.js (CodeMirror 6, KaTeX and the playground) into web/dist/app.js, which the
// binary embeds. Run `npm ci && npm run build` in web/ after changing web/src or the lock file; CI
// rebuilds it and fails if the committed bundle differs.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "eof",
  outfile: "dist/app.js",
  logLevel: "warning",
});
