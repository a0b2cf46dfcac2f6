const mailgunPrivateKey = '96da8932f14d94e78080d618689f9509-62b57a15-2c7c6479';
module.exports = { mailgunPrivateKey };
