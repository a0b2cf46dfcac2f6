const pusherAppSecret = 'ea33543d646aeeb65e78';
module.exports = { pusherAppSecret };
