package realtraffic

// sourceIDs holds, as idHash writes them, the ids found in the sources this
// data was taken from (recorded traffic, documentation pages, issue
// threads): tenants, users, applications, calls, operations. None of them
// may appear in the data; hashes keep the real ones out of this file too.
var sourceIDs = map[string]bool{
	"00e76da2f67b7964": true, "0575a9bf76bc594d": true, "0689bf41fd8c643d": true,
	"08ebc0592db6df64": true, "0ca333d80d706425": true, "0ddb3d51d6ac871d": true,
	"1457afafff23a853": true, "15a4bd4af926953f": true, "183cfbf4a84539ed": true,
	"19eadd402f8cb947": true, "20124b03e0771251": true, "21c061034f4e1fca": true,
	"23456cf103864bde": true, "24442dfa5b76f4ea": true, "2e674316190157a4": true,
	"31ccc47f5df086ad": true, "353dc4e2084be5f5": true, "357564490206974d": true,
	"37f988aeff2065ca": true, "39e00b0d073c3188": true, "3e304084bea95871": true,
	"3e859377dbc4b891": true, "43992ceeffcb94b2": true, "447953144556fe1c": true,
	"466caeb05c993838": true, "48e3ea70862c3864": true, "4aaebc702852956f": true,
	"4ab0f3880ad4f4b4": true, "4cfbc33896d62dc4": true, "4e4cee6c7c3c7b92": true,
	"4ffa56d3b7bf6cf4": true, "55be875acd9733cb": true, "597cbc9838853698": true,
	"59ed0fcf7790aaf3": true, "5bae0937fe33bfc9": true, "6053bac0bea83e22": true,
	"618e1a883b51bb38": true, "62a069ee49eebb6f": true, "63e919e7175953bf": true,
	"65063d78190eff75": true, "670f4d3cad0e7fdb": true, "6e947a23af764763": true,
	"7118cdec03f9c897": true, "774f5b70b5e6c376": true, "78acd1fab8e8cb0d": true,
	"7adbc5de6d584966": true, "7b107ad5a3a677b5": true, "7dc123195f4fa353": true,
	"7ff51508940b78e4": true, "82c7035061537b14": true, "82ece1d058494672": true,
	"839348a1a53882c5": true, "887184ce534f5c90": true,
	"887ff0ac066f8666": true, "892418c2b25c4e9e": true, "8b0b29603e24fc33": true,
	"8b9f27ed95d99480": true, "8da2ece546e47fb4": true, "8f20c222181312cb": true,
	"95ccef159b264d81": true, "a142c116ff794024": true, "a317e3299175ffb5": true,
	"a7092cc1380241d4": true, "a8c4dcb0ae8bcadf": true, "a8ccaf8b7a819820": true,
	"aa57fc98d40e675b": true, "ac6bbcfc891c4bc2": true, "acb7cece4a47cab2": true,
	"b140c5d63afc7bdd": true, "b265cd2d7f3d5e95": true, "b8753cc4bcafe263": true,
	"b8a830758ca05421": true, "ba16ccf3a04f6697": true, "c0c4f38f9ba73911": true,
	"c727d8c2a08584f5": true, "c98f1168be71181e": true, "cec4bdd197954015": true,
	"cf5ecd3396780625": true, "cf7704c2ecc344ab": true, "cf9d64d5dc777984": true,
	"d39dce08878ee056": true, "d6061d8508711e03": true, "d680f0a5307001a3": true,
	"d8798586c6da256f": true, "dabb32dcb8d9cc90": true, "dd8505dc8d5469f2": true,
	"e421c1df9c1e7267": true, "e547fe5837e7b19d": true, "e58962099ae0fcbb": true,
	"e7153a4814a98df8": true, "e963c20663653c21": true, "ea2f9a4adc12ff28": true,
	"ed08464fb5c3987f": true, "f0db72d7802ce387": true, "f6a415222b03591a": true,
}
