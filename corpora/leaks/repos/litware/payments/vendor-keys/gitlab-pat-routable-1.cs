public static class Config
{
    public const string GitlabPrivateToken = "glpat-F_6DSCney19_MNh7OEU12-30GK6.tr.f4i43ajpn";
}
