const ghInstallToken = 'ghs_1ArRuLCkkKzmNkuXRWl7uNhIuOUQ0L1DeXu9';
module.exports = { ghInstallToken };
