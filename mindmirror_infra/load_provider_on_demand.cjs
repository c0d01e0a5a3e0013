"use strict";
// Preloaded (`NODE_OPTIONS=--require`) into the Node.js that jsii starts for cdktn.
//
// The Google provider's main module, lib/index.js, requires all 1,854 of its
// submodules as it loads: 290 MB of JavaScript and 3.5 s of compiling in every
// process, of which the stacks use a few dozen submodules.
// The package ships lib/lazy-index.js beside it, generated with the same names,
// each a getter that requires its submodule when read, so that Node.js compiles
// a submodule the first time it is read and never if it is not. jsii finds a
// class by reading `<package>.<submodule>.<Class>`, never by listing the names
// (the getters are not enumerable), so resolving the package to that file
// compiles only the submodules the stacks use. A release without the file
// loads whole, as it would without this one.
//
// jsii links the package into a kernel folder (Node.js runs with
// --preserve-symlinks) from its package cache (.../<version>/<hash>/), so the
// index may sit under either.

const { registerHooks } = require("module");
const { existsSync } = require("fs");
const { fileURLToPath } = require("url");

const PROVIDER_INDEX = /\/@cdktn\/provider-google\/(?:[^/]+\/[^/]+\/)?lib\/index\.js$/;

// Node.js 22.15 brought registerHooks; an older Node.js loads the provider whole.
if (typeof registerHooks === "function") {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (!PROVIDER_INDEX.test(resolved.url)) {
        return resolved;
      }
      const lazyIndex = new URL("lazy-index.js", resolved.url);
      return existsSync(fileURLToPath(lazyIndex)) ? { ...resolved, url: lazyIndex.href } : resolved;
    },
  });
}
