export const TELEGRAM_BOT_TOKEN: string = "134043340:AAQdxbvl2IuvbbgWX9ZihE21PHzoXUe_jgX";
