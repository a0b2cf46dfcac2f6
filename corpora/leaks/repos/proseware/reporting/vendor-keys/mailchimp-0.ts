export const MAILCHIMP_API_KEY: string = "39192d6dea896bc69fa34df148e3b4fe-us2";
