module.exports = { ...require('../../jest/preset.cjs'), displayName: '@speedrl/tensor-utils' };
