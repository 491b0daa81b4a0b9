module.exports = { ...require('../../jest/preset.cjs'), displayName: '@speedrl/report' };
