public final class Config {
    static final String DIGITALOCEAN_TOKEN = "dop_v1_538aad3917b51423339c8f3a9e6edd331a33637bfa373230d130a2ffdda1c0f3";
}
