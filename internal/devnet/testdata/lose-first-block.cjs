// Test hook, preloaded into Chopsticks (devnet.Config.Preload): the block Chopsticks builds while
// starting a genesis chain (#1) is lost, as it is when Aura's slot check ("Timestamp slot must match
// CurrentSlot") loses to the wall clock on a loaded machine and Chopsticks only logs the failure.
// The chain then answers at #0, and the bootstrap must build #1 itself.
'use strict';
const path = require('node:path');
const { onBlockchain } = require(path.join(__dirname, '..', '..', '..', 'devnet', 'lib', 'patch-blockchain.cjs'));

function loseFirst(Blockchain) {
  const original = Blockchain.prototype.newBlock;
  let lost = false;
  Blockchain.prototype.newBlock = async function newBlock(params) {
    if (!lost) {
      lost = true;
      return this.head;
    }
    return original.call(this, params);
  };
}

onBlockchain('lose-first-block', loseFirst);
