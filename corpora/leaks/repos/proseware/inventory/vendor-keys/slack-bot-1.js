const slackBotToken = 'xoxb-41387727854-1129222372263-hY0CYdpj98rotKQHTJao0Exf';
module.exports = { slackBotToken };
