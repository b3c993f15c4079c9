"""Digests of the values earlier releases of the seed wrote, for rows that predate `seed_digest`.

A row with an empty digest whose values hash to one of these was written by that seed and
never edited, so the seed may bring it up to date. Append, never rewrite: the digests are
seed.seed_values_digest() over seed.FIELDS, with fields added since at their migration default.
"""

EARLIER = {
    "sources": {
        "amnesty-2022-01": ("9c1a090b2d2b5c767007f258c631c905716bfad9b0a3e7162cd10f4d8224066f",),
        "europarl-2022-01-20": ("4f011af6328740398ca9cbf9130afb885b25536f51feea3309cf4c9a20189560",),
        "france24-2022-01-06": ("b01d7cfbeb085632576714e0e4624349f3e9910e8e80ed1a971e93cf36ee37c5",),
        "arabnews-2022-01": ("ea4e71200e26d706aa22152f974319b2d4181b2e35640ddd7b6fe0a356f3aaf5",),
        "abdel-aziz-2022": ("0ab5cd4a513bf72e860bb3a1af0daef950113f060309263ed588ff966c6ec2dd",),
    },
    "campaigns": {
        "kazakhstan-january-2022": ("704656c29426be75cc5d1afc9d4ad8571b89c7c85424a226eeb023d935456943",),
    },
    "timeline": {
        "zhanaozen-2011": ("9b5df57e7e5f71732bb1c1f94bf7e1039bff2eb7f1438c7f525f84e821475277",),
        "lpg-price-rise": ("1a3a1dfffff5741448b3cde02a9121ea74f0c54e1a7ee633665aed183a1cb5a9",),
        "protests-begin": ("3ddf546489a24a10004ffb02194ee03b791833abf11c6ba0acae807447ba7c2d",),
        "regional-emergency": ("9bb378a3a87181c6b86fa543ba4c228b283450ac89564ead92d64509992d4490",),
        "almaty-buildings-stormed": ("290a58e438e44dc1baef633796a81df1855a4efff2c9246e1b633fe49d396b2f",),
        "arrests": ("c8ba119ab68d746b56def7554e0c64bdaed359f76ed5600bcf07a0246d504b15",),
        "nationwide-emergency": ("95a7d9d140c1c9ea4c256427cfb53a277d9fcb5aeaa90f52b011e2d6e28d952a",),
        "deaths-and-csto-troops": ("4e33dd958a617503509ca26af3784b7b7227482efa36722a5eda5fd5339e3ee0",),
        "europarl-resolution": ("5efa5e32a34ebc14e474a658d98ab3faad76c0828a51d7b1721d3cebc9e78153",),
    },
    "demands": {
        "amnesty-release": ("85a8e25842e6c35b734961c284265a417d4626d503a43c4c4dcbf59b60807dc1",),
        "amnesty-fair-trials": ("757135f3a686878dc3f76bb5765672d83035a0c430b3699e0ff107706e6a6997",),
        "amnesty-no-excessive-force": ("9783c229d3091d82a57ce6e5166e14682cda975318c7c05aafad2b3bced8ae12",),
        "amnesty-accountability": ("e9c0f1583092200130606f0e3b237f7580514703aa4a2718723bc872a26aff87",),
        "europarl-release": ("0938a5820501bc135a3402cf98046a929d536e2172585360fc4af036d81b20fd",),
        "europarl-terrorism-charges": ("6515baddb8f461c1402082bcb8048ea2a8796f18c8b8d64545fb3fd2ae37bdcf",),
        "europarl-distinguish": ("8d445af4965a1e07c104d02c39f0b2550e834f1c28df09a4664d2ca4e0376ae0",),
        "europarl-international-investigation": ("761a446845734928cfee3b3d652d4a4847b9937b512610bda4ce0cd962863490",),
        "europarl-osce-working-group": ("7b743db110751220c7c1a00097ed747c8a0e77e2e0a0abd316d977f727fb80b9",),
        "europarl-reforms": ("78e45f8698b904a47ae684428876a2dc2180bf94c0f05de2091d3a77b7f32371",),
    },
    "quotes": {
        "struthers-repression": ("e4f0070aef4e2091863024e926fe5c43b30148e17ed309ce5e6ee2c72a95b548",),
        "struthers-resolve-peacefully": ("40733e2956c05f9af4fbc789adcf1696d56d407aa7e8a42e353883f85fdd916e",),
        "struthers-obligations": ("3e5771dba834fba6d05b67e202b0294eb50e40352e76a4fb811ebabde190e8f4",),
        "europarl-overly-broad": ("8b3690dc55eda7a629acf5144b1989b96edf1fd0fa993db99e2ddd30f5df7312",),
    },
}
