"""SLOs, the way the data flows: the spec is read (:mod:`.spec`) into the model (:mod:`.model`,
:mod:`.sli`), named by Sloth's conventions (:mod:`.naming`), turned into recording rules and
burn-rate alerts (:mod:`.rules`) and into promtool test cases (:mod:`.cases`)."""
