const gitlabFeedToken = 'glft-LgS83Ld3VCQjxoWrGbPS';
module.exports = { gitlabFeedToken };
