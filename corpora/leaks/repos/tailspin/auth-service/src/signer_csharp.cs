var key =
    "-----BEGIN RSA PRIVATE KEY-----\n" +
    "MIIEogIBAC4fmKJVngN0qoRqf5BjTebuqEjmnoVEtcoVN0B9Oa1pWWeYIoclwcO8\n" +
    "d3eSHHYHCeTQw0Bpxf278KyhS+6J1eTnzQMqoJcsmVPLXK2VG+Vp1PLa7mzmpcF1\n" +
    "qaw78kAJ0ZZL8+wZqIjCgFeRT/MHZxh8BlO512r/b1g5BifTADCm1bHvV2FNp7rF\n" +
    "7umPjwScJHl+lCuJktIhSO0GvlBBTfgBM4t1wQ+juMEpd68hx69UjoJ2P13NqsTr\n" +
    "NuApyxn6NEEIBkVhjQ2JtOS9ne6FP1ps56RPvGLafoJaPX1/clJxO/Ilmi5JM7a2\n" +
    "VjxGgy1aCxIuNtIddlGu5wwNIBb5KudSymLHGGbcW87v3uR0CCcUZmDO5K9NWhnP\n" +
    "vnn/8Lh4TO8u07HpBK5ppYzBtYk8ouykiEKEkEKckgs82KRPvkZ5fTymiK3TZqj+\n" +
    "Yhfclvhlh4XFzQrvshhhwCGTPOoVaBF2WQWDN4gJDH58TQ9qoKX69ppAmiu54coE\n" +
    "poFQAEwFIBZajqBsbXe3+7PXiVq2scxeeGAU/+m83wI/bkhzov0p8v/AWOzY+TVR\n" +
    "WxzjkDjPpfV0jXcULKH7YdvggKH+scJo76CStXWIsbjQjHG18K32xUlD7IxCJYiH\n" +
    "o5lIQohGtVew3ZyZNi1p9wE4bpyjwjwg9vMestTzpQoVCD2Oq1DcjhwshrgWuecS\n" +
    "wripic3eeRxuzNjxOW/2hfnqSxsURDwtEjwAQv1bKm8nymLMsJ3JPcxDDc8nayqf\n" +
    "ENo6yAzsfv53RCM1t1iDJprWCtzROa1jGm9P3yKCU8907yhoR3oiVuUMkBuuHUsQ\n" +
    "p9VbWgAQVGoyfWQwWv+CnJeEUlHSjEqNBNZlJ8yGMFYdiq37hX6+dfjLJBUjOD23\n" +
    "kmHBLCJhYarwiIFka9DOx49/PaU+LcPDKZFT2ZM9N9kc86UTc/g8dsnlfg82nKaB\n" +
    "FrP2xwTdI71cwCji0xBaO77xaR0aEKf47xQtndcI3TEz46WcWPYaj9h2csgHai/H\n" +
    "wiDu+2zLBfJz6bM11xltNEdCxc3vWmOmtYC4beopNWXNfSPeMmLHTVrNM+x9FMh2\n" +
    "3TOGHbUktYCV/qAgT7cE3mZHaabfPW/742b3YJugoeiaL3LskBjyTh+4mtqsguAM\n" +
    "2g2TNm8usCybCqRpq0C6Wp3Dy9dCnaYZQY2z1KnlLxX/9OXgVWxDtoqpu5+qsL62\n" +
    "VRv0YBd+PuY06lQndqykBvIqy5yixSNDeQeGk2DY/n2CUnQctH3H98ajPdecynyC\n" +
    "s/iT3xJZ/iNJxWrJ4PZ/V0ZEuzmIeZxxZR9XmS7zhaz7PUV41RCcKHe8LOD40dQn\n" +
    "He1golcyi6gY85Ua50c4VR0AW11aKc93Q2Ak6SVjZkFum3FJ5cvXV9OOTMEIjbMh\n" +
    "ck2Gf6v3yByXu7MwefD+YiUq6cYlfTi/7uCNZ5yZcyAbYeFP6y2T8sjTW0NLHLXO\n" +
    "cebOPmr5xRFX9Hbjbj8uJvEVWqiQCTfBjNGTMVeztnUHcO6fApXMH2BgxVqj+0/p\n" +
    "qQ5PXmKIVbdY7cUlz6pQE/WqZCtaEakZpIhDddmYl2DOz0hibFs=\n" +
    "-----END RSA PRIVATE KEY-----\n";
