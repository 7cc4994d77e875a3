"""The load, one module per stage, each returning frozen values to the next.

    inputs  which files a layer reads                  -> InputFile
    rows    read, map and normalise the rows            -> Rows
    locate  coordinates, CRS, geocoding                 -> Located, Geocoded
    regions 시도/시군구 of each row; the regions layer   -> Kept
    ids     ids and duplicates                          -> Kept
    records FeatureRecords, opening hours               -> Records
    report  a layer's report from its stages            -> LayerReport
    diff    the diff with the current version, refusals -> LayerReport
    write   one swap per layer group, reject reports    -> LayerReport

`points` runs a point layer's stages in order, `derive` runs a derived layer's
(LayerSpec.derivation), and `job` is the load job: the one orchestrator behind `sharemap load`.
"""
