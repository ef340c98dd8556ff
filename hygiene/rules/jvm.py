"""Java, Kotlin, Scala, Clojure, Android. Gradle's `bin/` is never an artifact (kondo PR #86)."""

from __future__ import annotations

from hygiene.rules import Rule

GRADLE = ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts")

RULES: tuple[Rule, ...] = (
    Rule(
        "java.maven-target",
        "java",
        "build",
        ("target",),
        beside=("pom.xml",),
        recreate="mvn package",
    ),
    Rule("java.gradle-build", "java", "build", ("build",), beside=GRADLE, recreate="gradle build"),
    Rule(
        "java.gradle-cache", "java", "cache", (".gradle",), beside=GRADLE, recreate="gradle build"
    ),
    Rule("java.kotlin", "java", "cache", (".kotlin",), beside=GRADLE, recreate="gradle build"),
    Rule(
        "scala.sbt-target",
        "scala",
        "build",
        ("target",),
        # `*.sbt`: build.sbt, and the meta-build's project/plugins.sbt beside project/target
        # (https://www.scala-sbt.org/1.x/docs/Organizing-Build.html).
        beside=("build.sbt", "*.sbt"),
        recreate="sbt compile",
    ),
    Rule(
        "scala.metals",
        "scala",
        "cache",
        (".metals", ".bloop", ".bsp"),
        beside=("build.sbt", "build.sc"),
        recreate="metals import",
    ),
    Rule(
        "clojure.target",
        "clojure",
        "build",
        ("target",),
        beside=("project.clj", "deps.edn"),
        recreate="lein compile",
    ),
    Rule(
        "clojure.cpcache",
        "clojure",
        "cache",
        (".cpcache",),
        beside=("deps.edn",),
        recreate="clojure -P",
    ),
    Rule(
        "android.cxx",
        "java",
        "build",
        (".cxx", ".externalNativeBuild"),
        beside=GRADLE,
        recreate="gradle build",
    ),
)
