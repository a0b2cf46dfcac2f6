export const TWILIO_AUTH_TOKEN: string = "63cb1f210225baffdd449f23ed69bc8e";
