public final class Config {
    static final String BROKER_URL = "rediss://mateo:ip5fuZ.cz47Urp4j@rediss-6.wingtip.internal:6380/payments";
}
