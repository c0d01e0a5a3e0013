"use strict";
// Preloaded (`NODE_OPTIONS=--require`) into the Node.js that jsii starts for cdktn.
//
// The Google provider's lib/index.js requires every one of its 1,854 submodules
// as it loads: 290 MB of JavaScript and about four seconds of compiling, in
// every process, of which the stacks use a few dozen submodules. jsii finds a
// class by reading `<index>.<submodule>.<Class>`, so each eager line
//     exports.x = __importStar(require("./x/index"));
// becomes a getter that requires the submodule when it is first read, then
// keeps it. Every submodule is still there by the same name with the same
// contents; only when it is compiled changes. A line of any other shape is left
// as it is, so a provider release that lays its index out differently loads
// whole, as it would without this file.

const { registerHooks } = require("node:module");

const PROVIDER_INDEX = "/@cdktn/provider-google/lib/index.js";
const EAGER_SUBMODULE = /^exports\.(\w+) = __importStar\(require\("(\.\/[\w-]+\/index)"\)\);$/gm;

/** The index's source, with each eager submodule line turned into a getter that loads it once. */
function loadOnDemand(source) {
  return source.replace(EAGER_SUBMODULE, (_line, name, request) => {
    const key = JSON.stringify(name);
    return (
      `Object.defineProperty(exports, ${key}, { enumerable: true, configurable: true, get() { ` +
      `const submodule = __importStar(require(${JSON.stringify(request)})); ` +
      `Object.defineProperty(exports, ${key}, { enumerable: true, value: submodule }); ` +
      `return submodule; } });`
    );
  });
}

// Node.js 22.15 brought registerHooks; an older Node.js loads the provider whole.
if (typeof registerHooks === "function") {
  registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      return url.endsWith(PROVIDER_INDEX) ? { ...loaded, source: loadOnDemand(String(loaded.source)) } : loaded;
    },
  });
}

module.exports = { loadOnDemand };
