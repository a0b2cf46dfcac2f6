module.exports = {
  dbPassword: process.env.DB_PASSWORD,
  apiKey: process.env.API_KEY || '',
  slackToken: process.env.SLACK_BOT_TOKEN,
};
