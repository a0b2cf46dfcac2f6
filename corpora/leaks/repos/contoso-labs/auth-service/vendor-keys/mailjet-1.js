const mailjetSecretKey = '9f950962b57a152c7c6479da328dd251';
module.exports = { mailjetSecretKey };
