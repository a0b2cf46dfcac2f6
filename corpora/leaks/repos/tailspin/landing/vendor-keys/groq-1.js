const groqApiKey = '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';
module.exports = { groqApiKey };
