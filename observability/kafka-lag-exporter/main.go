// Command kafka-lag-exporter serves Kafka's topic offsets and consumer-group lag as Prometheus
// metrics: the end (and start) offset of every partition of every topic, and each group's
// committed offset and lag per partition. It reads them from the brokers on every scrape with
// franz-go's admin client (kadm), so nothing is cached and a restart loses nothing.
//
// It is written here because no maintained Kafka lag exporter builds from the Go module proxy
// (docs/decisions.md). Metric names follow the widely used kafka_exporter's, so existing
// dashboards and queries carry over.
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

var (
	upDesc = prometheus.NewDesc("kafka_up",
		"1 if the last scrape reached the brokers and listed offsets, else 0.", nil, nil)
	brokersDesc = prometheus.NewDesc("kafka_brokers",
		"Number of brokers in the cluster's metadata.", nil, nil)
	endOffsetDesc = prometheus.NewDesc("kafka_topic_partition_current_offset",
		"End offset (high watermark) of a partition.", []string{"topic", "partition"}, nil)
	startOffsetDesc = prometheus.NewDesc("kafka_topic_partition_oldest_offset",
		"Oldest retained offset of a partition.", []string{"topic", "partition"}, nil)
	groupOffsetDesc = prometheus.NewDesc("kafka_consumergroup_current_offset",
		"Offset a consumer group committed on a partition.",
		[]string{"consumergroup", "topic", "partition"}, nil)
	groupLagDesc = prometheus.NewDesc("kafka_consumergroup_lag",
		"Messages between a group's committed offset and the partition's end offset.",
		[]string{"consumergroup", "topic", "partition"}, nil)
)

type collector struct {
	adm     *kadm.Client
	timeout time.Duration
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{upDesc, brokersDesc, endOffsetDesc, startOffsetDesc, groupOffsetDesc, groupLagDesc} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := c.collect(ctx, ch); err != nil {
		slog.Warn("scrape failed", "err", err)
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 1)
}

func (c *collector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	brokers, err := c.adm.ListBrokers(ctx)
	if err != nil {
		return err
	}
	ends, err := c.adm.ListEndOffsets(ctx)
	if err != nil {
		return err
	}
	starts, err := c.adm.ListStartOffsets(ctx)
	if err != nil {
		return err
	}
	groups, err := c.adm.ListGroups(ctx)
	if err != nil {
		return err
	}
	lags, err := c.adm.Lag(ctx, groups.Groups()...)
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(brokersDesc, prometheus.GaugeValue, float64(len(brokers)))
	emitOffsets(ch, endOffsetDesc, ends)
	emitOffsets(ch, startOffsetDesc, starts)
	for group, described := range lags {
		if described.Error() != nil {
			slog.Warn("group lag unknown", "group", group, "err", described.Error())
			continue
		}
		for _, l := range described.Lag.Sorted() {
			if l.Err != nil || l.Lag < 0 {
				continue
			}
			labels := []string{group, l.Topic, strconv.Itoa(int(l.Partition))}
			// A partition assigned but never committed lags from its oldest retained offset.
			ch <- prometheus.MustNewConstMetric(groupLagDesc, prometheus.GaugeValue, float64(l.Lag), labels...)
			if l.Commit.At >= 0 {
				ch <- prometheus.MustNewConstMetric(groupOffsetDesc, prometheus.GaugeValue, float64(l.Commit.At), labels...)
			}
		}
	}
	return nil
}

func emitOffsets(ch chan<- prometheus.Metric, desc *prometheus.Desc, offsets kadm.ListedOffsets) {
	offsets.Each(func(o kadm.ListedOffset) {
		if o.Err != nil || o.Partition < 0 || strings.HasPrefix(o.Topic, "__") {
			return
		}
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(o.Offset),
			o.Topic, strconv.Itoa(int(o.Partition)))
	})
}

// clientOptions: the brokers, and SASL/SCRAM when KAFKA_SASL_USERNAME is set.
func clientOptions(brokers string) []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(strings.Split(brokers, ",")...), kgo.ClientID("taskwire-kafka-lag-exporter")}
	user := os.Getenv("KAFKA_SASL_USERNAME")
	if user == "" {
		return opts
	}
	auth := scram.Auth{User: user, Pass: os.Getenv("KAFKA_SASL_PASSWORD")}
	if os.Getenv("KAFKA_SASL_MECHANISM") == "SCRAM-SHA-256" {
		return append(opts, kgo.SASL(auth.AsSha256Mechanism()))
	}
	return append(opts, kgo.SASL(auth.AsSha512Mechanism()))
}

func main() {
	listen := flag.String("web.listen-address", "127.0.0.1:9308", "address to serve /metrics on")
	brokers := flag.String("kafka.server", envOr("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"), "comma-separated bootstrap brokers")
	timeout := flag.Duration("kafka.timeout", 10*time.Second, "time limit of one scrape's Kafka requests")
	flag.Parse()

	client, err := kgo.NewClient(clientOptions(*brokers)...)
	if err != nil {
		slog.Error("bad Kafka client options", "err", err)
		os.Exit(1)
	}
	defer client.Close()
	registry := prometheus.NewRegistry()
	registry.MustRegister(&collector{adm: kadm.NewClient(client), timeout: *timeout})

	http.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	http.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK\n")) })
	slog.Info("serving", "address", *listen, "brokers", *brokers)
	server := &http.Server{Addr: *listen, ReadHeaderTimeout: 5 * time.Second}
	if err := server.ListenAndServe(); err != nil {
		slog.Error("server stopped", "err", err)
		os.Exit(1)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
