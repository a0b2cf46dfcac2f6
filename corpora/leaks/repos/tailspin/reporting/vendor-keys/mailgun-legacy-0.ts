export const MAILGUN_API_KEY: string = "key-mpcjuly78rxv29hwt6n9vs2us91p5sac";
