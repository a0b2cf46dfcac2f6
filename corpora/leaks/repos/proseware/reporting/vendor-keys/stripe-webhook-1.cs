public static class Config
{
    public const string StripeWebhookSecret = "whsec_6y6wHYLsIDtpRd1bAcI07mznflr9yLDT";
}
