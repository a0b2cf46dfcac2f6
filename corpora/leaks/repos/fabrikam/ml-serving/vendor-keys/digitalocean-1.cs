public static class Config
{
    public const string DigitaloceanToken = "dop_v1_104ca48bab6058b3d7d56762d97ac5540299015ba68e38a3dee86cbfa96aafee";
}
