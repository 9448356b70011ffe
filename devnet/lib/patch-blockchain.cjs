// Patching Chopsticks' Blockchain class from a script preloaded with node --require (the genesis
// guard, test hooks). The class is patched when Chopsticks itself loads it: loading chopsticks-core
// from the preloaded script first would change the module load order and triple the process's
// memory.
'use strict';
const Module = require('node:module');

const patched = new WeakMap(); // Blockchain class -> names of the patches applied to it

/** Calls patch(Blockchain) once for the class, when a module exporting it is loaded. */
function onBlockchain(name, patch) {
  const originalRequire = Module.prototype.require;
  Module.prototype.require = function require(id) {
    const exported = originalRequire.apply(this, arguments);
    const Blockchain = exported && typeof exported === 'object' ? exported.Blockchain : undefined;
    if (typeof Blockchain === 'function' && Blockchain.prototype.getBlock) {
      const done = patched.get(Blockchain) ?? new Set();
      if (!done.has(name)) {
        done.add(name);
        patched.set(Blockchain, done);
        patch(Blockchain);
      }
    }
    return exported;
  };
}

module.exports = { onBlockchain };
