public final class Config {
    static final String STRIPE_WEBHOOK_SECRET = "whsec_2L1lTDNNgEFAQOnmtcJkdvSROON3uJ4C";
}
