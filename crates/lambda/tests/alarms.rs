//! The CloudWatch alarms of `infra/s1-ingest-v2.yaml` watch metrics this function really emits:
//! every alarm's namespace, metric name and dimensions are checked against the EMF line the
//! function writes after a client run (`MetricsTarget::document`), so renaming a metric on one
//! side without the other fails here, not silently in production.

use serde_json::Value;
use std::time::SystemTime;
use vectora_lambda::metrics::{ClientMetrics, MetricsTarget};

/// The template as CloudFormation reads it (short-form tags such as `!Ref X` read as `X`).
fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/s1-ingest-v2.yaml");
    let text = std::fs::read_to_string(path).expect("read the s1 template");
    serde_saphyr::from_str(&text).expect("the s1 template is YAML")
}

/// The EMF line of one client run, as `emit` writes it.
fn emf_line() -> Value {
    let target = MetricsTarget {
        namespace: "vectora-inbox".into(),
        environment: "dev".into(),
    };
    let line = target
        .document(
            "lai_weekly_v3",
            "req-1",
            &ClientMetrics::default(),
            SystemTime::now(),
        )
        .to_string();
    serde_json::from_str(&line).expect("one JSON line")
}

fn alarms(t: &Value) -> Vec<(&String, &Value)> {
    t["Resources"]
        .as_object()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .collect()
}

#[test]
fn every_alarm_watches_a_metric_the_function_emits() {
    let t = template();
    let line = emf_line();
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    let emitted: Vec<&str> = directive["Metrics"]
        .as_array()
        .expect("Metrics")
        .iter()
        .filter_map(|m| m["Name"].as_str())
        .collect();
    let found = alarms(&t);
    assert_eq!(found.len(), 2, "{found:?}");
    for (name, alarm) in found {
        let p = &alarm["Properties"];
        // The namespace is the ProjectName parameter, whose default is the function's default
        // namespace (PROJECT_NAME unset).
        assert_eq!(p["Namespace"], "ProjectName", "{name}");
        assert_eq!(
            t["Parameters"]["ProjectName"]["Default"],
            directive["Namespace"]
        );
        let metric = p["MetricName"].as_str().expect("MetricName");
        assert!(
            emitted.contains(&metric),
            "{name}: {metric} not in {emitted:?}"
        );
        assert!(
            line[metric].is_number(),
            "{metric} has no value in the line"
        );
        // Dimension Environment (the ENV variable, i.e. the Env parameter): one of the line's
        // dimension sets, so CloudWatch has that exact series.
        assert_eq!(
            p["Dimensions"],
            serde_json::json!([{ "Name": "Environment", "Value": "Env" }]),
            "{name}"
        );
        assert!(
            directive["Dimensions"]
                .as_array()
                .expect("Dimensions")
                .contains(&serde_json::json!(["Environment"])),
            "{directive}"
        );
        // Notifications only when a topic or an address is given.
        assert_eq!(p["AlarmActions"][0], "NotifyAlarms", "{name}");
    }
}

#[test]
fn failing_sources_and_missed_runs_alarm_as_specified() {
    let t = template();
    let r = &t["Resources"];
    let failing = &r["IngestV2SourceFailingAlarm"]["Properties"];
    assert_eq!(failing["MetricName"], "MaxConsecutiveFailures");
    assert_eq!(failing["Statistic"], "Maximum");
    assert_eq!(
        failing["ComparisonOperator"],
        "GreaterThanOrEqualToThreshold"
    );
    assert_eq!(failing["Threshold"], "FailingRunsThreshold");
    assert_eq!(failing["TreatMissingData"], "notBreaching");
    assert_eq!(t["Parameters"]["FailingRunsThreshold"]["Default"], 3);

    let missed = &r["IngestV2MissedRunAlarm"];
    assert_eq!(missed["Condition"], "HasSchedule");
    let missed = &missed["Properties"];
    assert_eq!(missed["MetricName"], "ClientRuns");
    assert_eq!(missed["ComparisonOperator"], "LessThanThreshold");
    assert_eq!(missed["Threshold"], 1);
    assert_eq!(
        missed["TreatMissingData"], "breaching",
        "no data is the very symptom of a run that did not happen"
    );
    assert_eq!(missed["EvaluationPeriods"], "RunExpectedEveryHours");
    assert_eq!(missed["DatapointsToAlarm"], "RunExpectedEveryHours");

    // Optional notification: a topic created for an e-mail address, or an existing topic.
    for p in ["AlarmEmail", "AlarmTopicArn"] {
        assert_eq!(t["Parameters"][p]["Default"], "", "{p}");
    }
    assert_eq!(r["IngestV2AlarmTopic"]["Condition"], "CreateAlarmTopic");
    let sub = &r["IngestV2AlarmEmailSubscription"];
    assert_eq!(sub["Condition"], "HasAlarmEmail");
    assert_eq!(sub["Properties"]["Protocol"], "email");
}
