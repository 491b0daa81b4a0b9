module.exports = { ...require('../../jest/preset.cjs'), displayName: '@speedrl/rewards-clip-fid' };
