String key =
    "-----BEGIN RSA PRIVATE KEY-----\n" +
    "MIIEogIBAPbvFK8mXxK/SuAhi9mS6Zelg/imAqOM/ZadZIBgsoGMV970zYtwO4lW\n" +
    "+LSWiQCbPzz99f7JDoacyD7r3JKj+mgJWut5sAAk5sN92WdjkdbmpIAhe4PVUjDZ\n" +
    "yawV5DWMJMus960v+CPU1ebGDcGT+ee6Q40PTuUdothJelkWzhV/RHlq/+kKEJcY\n" +
    "zhjgQnvmOWHnl8HNzx+IaEglR8aNu551E2DiFlsfjL9065PBKay3r6r5tFj0QjS0\n" +
    "jzTE14nrr8evLlLCvs2LnM/RtuUt9m8wdoasonkdgCYm7wqAgpoMGa/leUuTeq5z\n" +
    "fB8pSW6g/lEPEVczfX9JluL5l0wwIowR9QS+eWYb2LLrziR90WsrCb6xRzPFOdVc\n" +
    "3cO9yXbPTpB0q4wzXfWK/721uBBWCAwIcs+FNKR79SqUicYiYO82Jp8Coi8mzqxP\n" +
    "LIWmbzoNeKhzMvBzXxR8KmgTHPLd13VlZbQhXSGn3LCS5INaDFETBscNGOaM0qMx\n" +
    "j+g53gPg+lPrLldNMALWG0PJyHOmQ8o0dmYi9rF5BXprKSOrsplYBrC09nxnEXGb\n" +
    "qxhv/5WK9DpO/t8Aj08V801Pa/CXtjch/7C1zUhf+BxlEZhjOa9J1j/mSf++gdlN\n" +
    "nf3sqcBsm/8W5hRuEb7/n1lMI+WSF/1ycetKLpUnLkUZ6CciU4tmG1GQhEEaSSxz\n" +
    "/mPydVbBdJ7y4N6pjxrmVh5qy6WsXUgW6LOlI81BA3jVVBhDHYNts7m8i/DEMLQg\n" +
    "nokrxMp5rEN+Srg+YTDGgJuMU6sIhAWJ9O9Me5/jLMAQL9Uw+bOyKdIyGEkvFZey\n" +
    "I+1vMJnmSdDgVUiAuMQir3mxoeoQRkeaG8sitWyHsHhkAq4HhEcQEldklFqbRNVC\n" +
    "m0mhCiRVqmVUEqjRtTVZbnZeZWiGIakHQBr0tSbmc5+8XqC8oxAL0MhBdN7MwHWr\n" +
    "s8qvqGQag+c/iBTDS9YU8liBrTk9Dd+7yBtf76Q3jfmyT4E21YalvoG6iAT3sMkO\n" +
    "Pyim9bKo5hUuoCV4M1BWL4KEpGqWk4oZIvfbUibpvREf09cskWDUxVOpl96oFfUk\n" +
    "xwd8hQBMOntVu+eeuXFgTYvollgZm/7LgHOfS3VLV+b1THzfPW8O8jamYmqrCGN2\n" +
    "4dwDYY3hHbtNBFp+Py0FByoG8viqZvQSNw609Na48NHd2imIOCEVPxRaPLu/2ngs\n" +
    "Z+mMbK8IN1mCzFEplzKU5kC3bzlI51AcU2DyaaQ9iqkjtFQWkFcYHFMw2MYuC2kf\n" +
    "U6HHUpKMYgYve9A7b6HGM/PiSIgfRCOPSJM6zL1ocYzI2eepbSIj7GFsqdw2d1jH\n" +
    "E86l1GMUT9JAGhlsGY3Q3EbbSie1Oy7qBZ6XX2lgbzTWzt3EUXr4UYnDZdOW5tX2\n" +
    "1ukdwXTTQ2SHV9f+hpqJnka3svkZpea/IIwL+wQjsXI/SjawcR2Ik4BKTeYjDlkt\n" +
    "KpB39BwgvSJWXZF7EuHCDelnpISzphVCQaU+z2WuR+xKLVvnBpsJaWrwIrvqzlm9\n" +
    "6GH91gWOiTVCSmqdwebdAhhc3sWq5NuRw1CsbKDP0Hjs0Jzh+Zg=\n" +
    "-----END RSA PRIVATE KEY-----\n";
