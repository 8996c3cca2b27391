"""Passwords too common to accept (よく使われるパスワード): the most frequent ones of published leak
lists, with those typical of Japanese users and of this registry's name. Compared in lower case."""

from __future__ import annotations

COMMON_PASSWORDS: frozenset[str] = frozenset("""
123456 123456789 12345678 1234567890 12345 1234567 123123 111111 000000 1234 123321 654321 666666
121212 112233 123qwe 1q2w3e 1q2w3e4r 1q2w3e4r5t 1qaz2wsx 1qazxsw2 zaq12wsx zaq1zaq1 qazwsx qazwsxedc
password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword pass1234 pass12345
password01 password2026 password2025 passwordpassword mypassword newpassword changeme changeme1
changeme123 welcome welcome1 welcome123 welcome2026 letmein letmein1 letmein123 admin admin123
admin1234 administrator root root1234 toor guest guest123 login login123 master master123 secret
secret123 test test123 test1234 testtest demo demo1234 default default123 user user1234 temp1234
qwerty qwerty1 qwerty12 qwerty123 qwerty1234 qwertyuiop qwer1234 asdf1234 asdfghjkl asdfgh zxcvbnm
zxcvbn 1qaz1qaz abc123 abcd1234 abc12345 abcdef abcdefg abcdefgh abcdefghij a1b2c3d4 a1234567
aa123456 iloveyou iloveyou1 sunshine sunshine1 princess dragon dragon123 monkey monkey123 football
baseball soccer superman batman trustno1 starwars shadow michael jennifer hello123 hello1234
freedom whatever computer internet flower flower123 summer2026 winter2026 spring2026 autumn2026
ccus ccus1234 ccus12345 ccus2026 ccuspassword ccus_password kensetsu kensetsu1 kensetsu123
kensetsu1234 careerup careerup1 careerup123 genba genba123 genba1234 shokunin shokunin1 gijutsu
gijutsu123 sekou sekou123 kouji kouji123 koumuten koumuten1 doboku doboku123 daiku daiku123
tokyo tokyo123 tokyo2020 osaka osaka123 nagoya nippon nippon123 japan japan123 japan2026 sakura
sakura1 sakura123 sakura1234 doraemon doraemon1 pokemon pokemon1 pikachu pikachu1 naruto naruto1
totoro gundam gundam1 hello_kitty hellokitty tanaka tanaka123 suzuki suzuki123 sato sato1234
takahashi yamada yamada123 watanabe ichiro taro taro1234 hanako hanako123 yamato kaisha kaisha123
aiueo aiueo123 asdfasdf qweqwe qweasd qweasdzxc 1qa2ws3ed q1w2e3r4 q1w2e3r4t5 zxcv1234 mnbvcxz
11111111 22222222 88888888 99999999 12341234 11223344 87654321 98765432 1111111111 0123456789
12121212 123454321 20262026 20252025 19191919 01234567 147258369 159753 147852369 789456123
""".split())
