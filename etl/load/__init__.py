"""The load, one module per stage, each returning frozen values to the next.

    inputs    what a load is asked for; which files a layer reads    -> InputFile
    rows      read, map and normalise each file's rows                -> Rows
    locate    coordinates and CRS; rows without them geocoded         -> Located, Geocoded
    regions   each row's 시도/시군구; the regions layer's own load     -> Kept
    ids       feature ids, duplicates dropped                         -> Kept
    records   FeatureRecords with parsed opening hours                -> Records
    report    a layer's report from its stages                        -> LayerReport
    diff      data version, diff with the current version, refusals   -> LayerReport
    write     one swap per layer and its companions; reject reports   -> LayerReport

`points` runs a point layer's stages after `locate` in order, `derive` a derived layer's
(LayerSpec.derivation), `gazetteer` builds the geocoders from the source directory, and `job`
is the load job: the one orchestrator behind `sharemap load`.
"""
