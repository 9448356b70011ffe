// Preloaded into Chopsticks (node --require ./genesis-guard.cjs …/chopsticks.cjs …).
//
// In genesis mode Chopsticks' GenesisProvider answers chain_getHeader with the genesis header for ANY
// hash, so a request at an unknown block hash (a typo, a zero hash, a "not found" test) registers a
// fake block #0 under that hash: the request answers with genesis state instead of "unknown block",
// and from then on chain_getBlockHash(0) returns the unknown hash, so every client that connects
// later signs with a wrong genesis hash and is rejected with BadProof. This guard makes blocks that
// Chopsticks does not hold unknown, as on a real node. (Without --db, blocks are only in memory; the
// in-memory limit is 500 blocks, beyond which the old behaviour returned garbage anyway.)
'use strict';
const { onBlockchain } = require('./lib/patch-blockchain.cjs');

const GENESIS_HASH = '0x' + '45'.repeat(32);

function guard(Blockchain) {
  const original = Blockchain.prototype.getBlock;
  Blockchain.prototype.getBlock = async function getBlock(hash) {
    const known = hash == null || hash === GENESIS_HASH || hash === this.head.hash || this.blocksInMemory().some((b) => b.hash === hash);
    return known ? original.call(this, hash) : undefined;
  };
}

onBlockchain('genesis-guard', guard);
